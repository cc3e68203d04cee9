// "Exporter CSV": the rows shown, in the order shown, written in chunks so Cancel stays
// answerable between two (components/LongTask.tsx shows the progress).
import type { I18n } from '../../i18n';
import { BOM, csvText, downloadFile, exportFileName, type Separator } from '../csv';
import { checkpoint, useLongTask } from '../LongTask';
import { cellText, type Column } from './columns';

/** Rows per chunk: the page answers (Cancel) between two, even on a slow store PC. */
const CHUNK = 1000;

export function useCsvExport<R>(rows: readonly R[], columns: readonly Column<R>[], i18n: I18n) {
  const task = useLongTask();
  const exportCsv = async (name: string, view: ArrayLike<number>, sep: Separator) => {
    await task.run(i18n.t('table.exporting'), async ({ signal, progress }) => {
      const parts: string[] = [BOM, csvText([columns.map((c) => c.header)], { separator: sep })];
      for (let start = 0; start < view.length; start += CHUNK) {
        const chunk: string[][] = [];
        const end = Math.min(view.length, start + CHUNK);
        for (let p = start; p < end; p++) {
          const row = rows[view[p]!]!;
          chunk.push(columns.map((c) => cellText(c, row, i18n, sep)));
        }
        parts.push(csvText(chunk, { separator: sep }));
        progress(end, view.length);
        if (view.length > CHUNK) await checkpoint(signal);
      }
      downloadFile(exportFileName(name), parts);
    });
  };
  return { task, exportCsv };
}
