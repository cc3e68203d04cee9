// File-drop ERP connector: writes each batch (an entity's closed month) as files in a folder the
// ERP imports from: the FEC extract (`<SIREN>FEC<last day YYYYMMDD>.txt`, ISO 8859-15), the CSV of
// every line, and optionally the JSON batch. Each file is written to a temporary name and renamed,
// so an importer never sees half a file. Idempotent: a file already there with the same bytes is
// an acknowledgement; other bytes under the same name are refused (permanent), never overwritten.
// A missing folder (an unmounted share) waits as offline; a folder it may not write blocks.
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import { encodeLatin9, fecFileName } from '../domain/fec.js';
import type { Db } from '../store/db.js';
import { PspError } from './psp.js';
import type { ErpAdapter } from './registry.js';
import { auditAnchorOf, verifiedBatch, type ErpFileFormat } from './erp.js';

export class FileDropErp implements ErpAdapter {
  readonly name = 'erp-file';

  constructor(private readonly db: Db, private readonly opts: { dir: string; formats: ErpFileFormat[] }) {}

  async push(payload: Record<string, unknown>, call: { idempotencyKey: string }): Promise<{ id?: string; response?: unknown }> {
    const { batch, digest, fec, csv } = verifiedBatch(this.db, payload);
    const dir = this.opts.dir;
    try {
      if (!statSync(dir).isDirectory()) throw Object.assign(new Error(`${dir} is not a folder`), { code: 'ENOTDIR' });
    } catch (e) {
      throw new PspError({ disposition: 'offline', code: 'offline', message: `the ERP drop folder ${dir} is not available (${(e as NodeJS.ErrnoException).code ?? 'error'})`, cause: e });
    }
    const base = `${batch.entity.id}_${batch.period.name}`;
    const files: { name: string; bytes: Uint8Array }[] = [];
    for (const f of this.opts.formats) {
      if (f === 'fec') files.push({ name: fecFileName(batch.entity.siren, batch.period.end), bytes: encodeLatin9(fec) });
      if (f === 'csv') files.push({ name: `${base}.csv`, bytes: new TextEncoder().encode(csv) });
      if (f === 'json') files.push({ name: `${base}.json`, bytes: new TextEncoder().encode(`${JSON.stringify({ ...batch, idempotency_key: call.idempotencyKey, digest, audit_anchor: auditAnchorOf(payload) }, null, 1)}\n`) });
    }
    const written: { name: string; sha256: string; bytes: number }[] = [];
    for (const f of files) {
      const path = join(dir, f.name);
      const sha = createHash('sha256').update(f.bytes).digest('hex');
      if (existsSync(path)) {
        const have = createHash('sha256').update(readFileSync(path)).digest('hex');
        if (have !== sha) throw new PspError({ disposition: 'permanent', code: 'file_conflict', message: `${path} already exists with other content; it is not overwritten` });
      } else {
        const tmp = join(dir, `.${f.name}.${process.pid}.tmp`);
        try {
          writeFileSync(tmp, f.bytes);
          renameSync(tmp, path);
        } catch (e) {
          rmSync(tmp, { force: true });
          const code = (e as NodeJS.ErrnoException).code;
          if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw new PspError({ disposition: 'blocked', code: 'not_writable', message: `cannot write to ${dir} (${code})`, cause: e });
          throw new PspError({ disposition: 'retryable', code: 'write_failed', message: `writing ${path} failed (${code ?? (e as Error).message})`, cause: e });
        }
      }
      written.push({ name: f.name, sha256: sha, bytes: f.bytes.length });
    }
    return { id: `${base}@${digest.slice(0, 12)}`, response: { dir, files: written, entries: batch.totals.entries, digest } };
  }
}
