// csv-stringify's sync API as the browser program sees it (tsconfig.web.json maps the module
// here): the part Ventil's CSV writer (core/domain/csv.ts) uses. The library's own types pull
// in Node's, which the renderer must not see; its bundle takes the library's browser build
// (electron.vite.config.ts).
export interface Options {
  delimiter?: string;
  record_delimiter?: 'windows' | 'unix' | string;
  quote_record_delimiter?: boolean;
  cast?: { string?: (value: string) => string };
}

export function stringify(input: unknown[], options?: Options): string;
