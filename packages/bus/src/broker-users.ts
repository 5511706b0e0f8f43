import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import { eventProducers, isEventType, type EventType } from '@pc/contracts';
import { EXCHANGE } from './topology';

/**
 * A new password for a service's broker user: hex, never base64url. rabbitmqctl reads an argument
 * that starts with `-` as an option, and one base64url password in 64 does (the provisioning then
 * failed at random: seen once in a CI run of nine users).
 */
export const newBrokerPassword = (): string => crypto.randomBytes(24).toString('hex');

/**
 * The event types each service publishes, from the catalog's `eventProducers` (the one table of who
 * emits what, which job watermarks read too). Each service connects to the broker as its own user
 * whose topic permission on the exchange allows exactly these routing keys, so a compromised or
 * buggy service cannot forge another service's events (the routing key is the event type).
 */
export const PUBLISHES: Readonly<Record<string, readonly EventType[]>> = (() => {
  const out: Record<string, EventType[]> = {};
  for (const [type, producers] of Object.entries(eventProducers))
    if (isEventType(type)) for (const p of producers) (out[p] ??= []).push(type);
  return out;
})();

export interface BrokerPermissions {
  /** RabbitMQ resource permissions (regexes on exchange and queue names). */
  configure: string;
  write: string;
  read: string;
  /** Topic permission on the events exchange: routing keys the service may publish. */
  topicWrite: string;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');

/**
 * What service `name` may do on the broker: declare, bind and read its own queues and exchanges
 * (every name starting `<name>.`, as `QUEUES` and their `<q>.dlx` are named), declare the events
 * exchange and publish to it its own event types only, bind its queues to it. It may not declare,
 * bind or read another service's queue, nor write to the default exchange (`amq.default`), which
 * would put a message in any queue by name: retries and dead letters go through the queue's own
 * `<q>.dlx` instead.
 */
export function permissionsFor(name: string): BrokerPermissions {
  const own = `${escape(name)}\\..*`;
  const exchange = escape(EXCHANGE);
  const types = PUBLISHES[name] ?? [];
  return {
    configure: `^(${exchange}|${own})$`,
    write: `^(${exchange}|${own})$`,
    read: `^(${exchange}|${own})$`,
    topicWrite: types.length === 0 ? '^$' : `^(${types.map(escape).join('|')})$`,
  };
}

/** Event types of the catalog that no service publishes (must be empty). */
export function unpublishedTypes(catalog: readonly string[]): string[] {
  const published = new Set(Object.values(PUBLISHES).flat());
  return catalog.filter((t) => isEventType(t) && !published.has(t));
}

/** Broker users are global to the broker (not per vhost): tests give their own prefix. */
export const brokerUser = (service: string, prefix = 'pc'): string => `${prefix}-${service}`;

function rabbitmqctl(...args: string[]): void {
  execFileSync('rabbitmqctl', ['-q', ...args], { stdio: 'pipe' });
}

/**
 * Creates (or re-keys) one broker user per service on the vhost of `amqpUrl` with the permissions
 * above, through the local `rabbitmqctl`, and returns each service's AMQP URL. Each call gives new
 * passwords, so a URL from an earlier start stops working.
 */
export function provisionBrokerUsers(
  amqpUrl: string,
  services: readonly string[],
  prefix = 'pc',
): Record<string, string> {
  const base = new URL(amqpUrl);
  const vhost = decodeURIComponent(base.pathname.slice(1)) || '/';
  const urls: Record<string, string> = {};
  for (const service of services) {
    const user = brokerUser(service, prefix);
    const password = newBrokerPassword();
    try {
      rabbitmqctl('add_user', user, password);
    } catch {
      rabbitmqctl('change_password', user, password);
    }
    const p = permissionsFor(service);
    rabbitmqctl('set_permissions', '-p', vhost, user, p.configure, p.write, p.read);
    rabbitmqctl('set_topic_permissions', '-p', vhost, user, EXCHANGE, p.topicWrite, '.*');
    const u = new URL(amqpUrl);
    u.username = encodeURIComponent(user);
    u.password = encodeURIComponent(password);
    urls[service] = u.toString();
  }
  return urls;
}

/**
 * The same users and permissions as `provisionBrokerUsers`, made through RabbitMQ's management HTTP
 * API at `managementUrl` (`http://admin:password@rabbitmq:15672`), for a broker in another
 * container or host where `rabbitmqctl` cannot reach (docker-compose.yml). New passwords each call.
 */
export async function provisionBrokerUsersHttp(
  managementUrl: string,
  amqpUrl: string,
  services: readonly string[],
  prefix = 'pc',
): Promise<Record<string, string>> {
  const api = new URL(managementUrl);
  const auth = `Basic ${Buffer.from(`${decodeURIComponent(api.username)}:${decodeURIComponent(api.password)}`).toString('base64')}`;
  api.username = '';
  api.password = '';
  const vhost = decodeURIComponent(new URL(amqpUrl).pathname.slice(1)) || '/';
  const put = async (path: string, body: unknown): Promise<void> => {
    const res = await fetch(new URL(`api/${path}`, api.toString().replace(/\/?$/, '/')), {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`broker management API: PUT /api/${path} answered ${res.status}`);
  };
  const urls: Record<string, string> = {};
  for (const service of services) {
    const user = brokerUser(service, prefix);
    const password = newBrokerPassword();
    const u = encodeURIComponent(user);
    const v = encodeURIComponent(vhost);
    const p = permissionsFor(service);
    await put(`users/${u}`, { password, tags: '' });
    await put(`permissions/${v}/${u}`, { configure: p.configure, write: p.write, read: p.read });
    await put(`topic-permissions/${v}/${u}`, { exchange: EXCHANGE, write: p.topicWrite, read: '.*' });
    const url = new URL(amqpUrl);
    url.username = encodeURIComponent(user);
    url.password = encodeURIComponent(password);
    urls[service] = url.toString();
  }
  return urls;
}

/** Removes the users made by provisionBrokerUsers (tests). */
export function removeBrokerUsers(services: readonly string[], prefix = 'pc'): void {
  for (const service of services) {
    try {
      rabbitmqctl('delete_user', brokerUser(service, prefix));
    } catch {
      /* already gone */
    }
  }
}
