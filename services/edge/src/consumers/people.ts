import type { Handlers, SqlTx } from '@pc/bus';
import type { PersonRequestStore } from '../adapters/person-request-store';
import { recordPersonAnswer } from '../use-cases/record-person-answer';

/* Queue edge.people: each holder's answer to a Law 25 request (its part of an export, its erasure counts). */
export const peopleHandlers = (people: PersonRequestStore): Handlers<SqlTx> => ({
  'person.data_exported.v1': (d, tx, e) => recordPersonAnswer(people, tx, d, e.source),
  'person.erased.v1': (d, tx, e) => recordPersonAnswer(people, tx, d, e.source),
});
