// A tiny hash router: `#/registry/entities/E1` → ['registry', 'entities', 'E1']. Hash routes
// work the same from a file:// page (Electron) and from `ventil serve`, need no server
// fallback, and the run token's `#token=` is removed by api.ts before the first read.
import { useSyncExternalStore } from 'react';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

function current(): string {
  const h = window.location.hash.replace(/^#/, '');
  return h.startsWith('/') ? h : '/';
}

/** The current path, e.g. "/registry/entities". */
export function usePath(): string {
  return useSyncExternalStore(subscribe, current, () => '/');
}

export function segments(path: string): string[] {
  return path.split('/').filter(Boolean).map(decodeURIComponent);
}

export function href(path: string): string {
  return `#${path}`;
}

export function navigate(path: string, opts: { replace?: boolean } = {}): void {
  if (opts.replace) {
    history.replaceState(null, '', `${window.location.pathname}${window.location.search}#${path}`);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else {
    window.location.hash = path;
  }
}
