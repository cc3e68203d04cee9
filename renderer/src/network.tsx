// The network summary every screen starts from (name, demo flag, counts), loaded once by the
// shell and reloaded after a change to the registry.
import { createContext, useContext, type ReactNode } from 'react';
import type { Output } from './api';
import { useApi, type Loaded } from './use-api';

const NetworkContext = createContext<Loaded<Output<'network.summary'>> | null>(null);

export function NetworkProvider({ children }: { children: ReactNode }) {
  const summary = useApi('network.summary');
  return <NetworkContext.Provider value={summary}>{children}</NetworkContext.Provider>;
}

export function useNetwork(): Loaded<Output<'network.summary'>> {
  const v = useContext(NetworkContext);
  if (!v) throw new Error('useNetwork outside NetworkProvider');
  return v;
}
