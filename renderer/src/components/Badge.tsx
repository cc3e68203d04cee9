// Status badges: one colour per meaning across the app, so a controller reads a table by colour.
// grey = neutral/pending, blue = in progress/informational, green = done/paid, amber = needs
// attention, red = refused/failed, violet = special (head office, platform).
export type Tone = 'grey' | 'blue' | 'green' | 'amber' | 'red' | 'violet';

export function Badge({ tone, children, title }: { tone: Tone; children: React.ReactNode; title?: string }) {
  return <span className={`badge badge-${tone}`} title={title}>{children}</span>;
}
