// The database process under plain Node (a child process started with child_process.fork and
// tsx), as electron/db-process.ts runs it in Electron: for benchmarks and for running the
// split where no Electron runtime exists. Tests wrap the same service with crash points
// (test/fixtures/host-child.ts).
import { parentProcessPort } from './node-port.js';
import { runHostService } from './service.js';

runHostService(parentProcessPort());
