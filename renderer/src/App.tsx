import { useEffect, useState } from 'react';
import { get } from './api';

interface Summary { name: string | null; demo: boolean; platform_entity: string | null; entities: number; locations: number; catchments: number; rules: number; orders: number; lines: number; events: number }

export function App() {
  const [summary, setSummary] = useState<Summary | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => { get<Summary>('network.summary').then(setSummary, (e: Error) => setError(e.message)); }, []);
  const fmt = new Intl.NumberFormat('fr-FR');
  return (
    <div className="app">
      {summary?.demo && <div className="demo-banner" role="status">Base de démonstration — données fictives</div>}
      <header><h1>Ventil</h1><span>{summary?.name ?? ''}</span></header>
      <main>
        {error && <p role="alert" className="error">{error}</p>}
        {summary && (
          <section aria-label="Réseau">
            <h2>Réseau</h2>
            <dl className="summary">
              <dt>Entités</dt><dd data-testid="entities">{fmt.format(summary.entities)}</dd>
              <dt>Points de vente et entrepôts</dt><dd data-testid="locations">{fmt.format(summary.locations)}</dd>
              <dt>Règles</dt><dd data-testid="rules">{fmt.format(summary.rules)}</dd>
              <dt>Commandes</dt><dd data-testid="orders">{fmt.format(summary.orders)}</dd>
              <dt>Lignes</dt><dd data-testid="lines">{fmt.format(summary.lines)}</dd>
            </dl>
          </section>
        )}
      </main>
    </div>
  );
}
