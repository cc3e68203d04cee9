// The entities of the network (names for ids), and the ones the signed-in user may see.
import { useMemo } from 'react';
import type { Output } from './api';
import { useSession } from './session';
import { useApi } from './use-api';

export type Entity = Output<'network.entities.list'>[number];
export type Location = Output<'network.locations.list'>[number];

export interface Entities {
  list: readonly Entity[];
  /** The entities in the user's scope (all of them for head office). */
  mine: readonly Entity[];
  name(id: string | null | undefined): string;
  loading: boolean;
}

export function useEntities(): Entities {
  const { data, loading } = useApi('network.entities.list');
  const { scope } = useSession();
  return useMemo(() => {
    const list = data ?? [];
    const names = new Map(list.map((e) => [e.id, e.name]));
    const allowed = scope === null ? null : new Set(scope);
    return {
      list,
      mine: allowed === null ? list : list.filter((e) => allowed.has(e.id)),
      name: (id) => (id ? names.get(id) ?? id : ''),
      loading,
    };
  }, [data, scope, loading]);
}
