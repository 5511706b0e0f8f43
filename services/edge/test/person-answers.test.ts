import { eventually, publishEvents, TEST_ADMIN_TOKEN } from '@pc/testkit';
import { edgeAlone } from './edge-alone';

// A Law 25 answer counts for the service whose outbox sent it (the envelope's source), not for the
// service its payload names: one service cannot answer, and so close, another service's part.
const edge = edgeAlone();

interface PersonRequest {
  status: string;
  services: Array<{ service: string; status: string }>;
}
const admin = { authorization: `Bearer ${TEST_ADMIN_TOKEN}`, 'content-type': 'application/json' };
const read = async (id: string): Promise<PersonRequest> =>
  (await (await fetch(`${edge.base}/v1/people/requests/${id}`, { headers: admin })).json()) as PersonRequest;
const statusOf = (r: PersonRequest, service: string) => r.services.find((s) => s.service === service)?.status;

it("an answer whose payload names another service is not that service's answer", async () => {
  const res = await fetch(`${edge.base}/v1/people/requests`, {
    method: 'POST',
    headers: admin,
    body: JSON.stringify({ kind: 'export', email: 'answers.test@example.org' }),
  });
  expect(res.status).toBe(202);
  const { id: requestId } = (await res.json()) as { id: string };
  const answer = (service: string) => ({
    type: 'person.data_exported.v1' as const,
    subject: requestId,
    data: { requestId, service, parts: [], at: new Date().toISOString() },
  });
  // agreements forges the notifier's answer, then sends its own (same queue, in order: once its own
  // is recorded, the forged one has been handled before it)
  await publishEvents(edge.env.amqpUrl, [
    { ...answer('notifier'), source: 'agreements' },
    { ...answer('agreements'), source: 'agreements' },
  ]);
  const seen = await eventually(async () => {
    const r = await read(requestId);
    return statusOf(r, 'agreements') === 'done' ? r : undefined;
  }, 'the genuine answer recorded');
  expect(statusOf(seen, 'notifier')).toBe('pending');
  expect(seen.status).toBe('pending');

  // the notifier's own answer does count
  await publishEvents(edge.env.amqpUrl, [{ ...answer('notifier'), source: 'notifier' }]);
  await eventually(async () => statusOf(await read(requestId), 'notifier') === 'done', "the notifier's answer");
});
