// Type-level test, run by `npm run typecheck` (tsconfig.web.json): the client's `call` is typed
// by the API's contract (core/api/index.ts). Each `@ts-expect-error` fails the typecheck if the
// line below it ever compiles; the other lines must compile.
import { call, type Input, type OperationName, type Output } from '../src/api';

export async function contract(): Promise<void> {
  // @ts-expect-error no operation has this name
  await call('no.such.operation');

  // @ts-expect-error a near miss of network.entities.list
  await call('network.entity.list');

  // @ts-expect-error orders.get needs its input
  await call('orders.get');

  // @ts-expect-error the id of an order is a string
  await call('orders.get', { id: 42 });

  // @ts-expect-error an input field the operation does not have
  await call('orders.list', { entity: 'S1', colour: 'red' });

  // Results are the handlers' own: a row of orders.list has a numeric `captured`.
  const r = await call('orders.list', { entity: 'S1', limit: 10 });
  if (r.ok) {
    const captured: number = r.value.rows[0]!.captured;
    // @ts-expect-error `captured` is a number, not text
    const wrong: string = r.value.rows[0]!.captured;
    void captured; void wrong;
  }

  // An operation without input may be called without one.
  const summary: Output<'network.summary'> | null = await call('network.summary').then((s) => (s.ok ? s.value : null));
  void summary;
}

// No operation's input or result degrades to `any` (as it would if a type the contract names
// were missing from the browser program): the list of such operations must be empty.
type IsAny<T> = 0 extends 1 & T ? true : false;
type Untyped = { [K in OperationName]: IsAny<Input<K>> extends true ? K : IsAny<Output<K>> extends true ? K : never }[OperationName];
export const untyped: [Untyped] extends [never] ? 'none' : Untyped = 'none';
