// Automatic updates: electron-updater fetches and downloads from the generic HTTPS feed IT
// configures (electron-builder.yml `publish.url` at build time, or VENTIL_UPDATE_URL), then we
// check our own Ed25519 signature over the installer's SHA-512 and version
// (core/security/update-signature.ts) and only then install. Nothing is installed on quit
// without that check (`autoInstallOnAppQuit = false`), and no key means no updates at all.
import electronUpdater, { type UpdateDownloadedEvent } from 'electron-updater';
import { checkDownloadedUpdate } from './update-check.js';
import { UPDATE_PUBLIC_KEY_PEM } from './update-public-key.js';
import { logger } from '../core/log/logger.js';

const updateLog = logger('update');

export interface UpdaterOptions {
  currentVersion: string;
  /** Only a packaged app updates itself. */
  packaged: boolean;
  feedUrl?: string;
  publicKey?: string;
  log?: (message: string) => void;
  /** Called when a verified update is ready; default: install it now. */
  onVerified?: (version: string, install: () => void) => void;
}

export function startUpdater(opts: UpdaterOptions): 'disabled' | 'started' {
  const log = opts.log ?? ((m: string) => updateLog.info(m));
  const publicKey = opts.publicKey ?? UPDATE_PUBLIC_KEY_PEM;
  if (!opts.packaged) return 'disabled';
  if (!publicKey) {
    log('updates are disabled: no update public key is built into this app');
    return 'disabled';
  }
  const { autoUpdater } = electronUpdater;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.allowDowngrade = false;
  autoUpdater.allowPrerelease = false;
  const feed = process.env.VENTIL_UPDATE_URL ?? opts.feedUrl;
  if (feed) {
    if (!feed.startsWith('https://')) {
      log(`updates are disabled: the feed ${feed} is not HTTPS`);
      return 'disabled';
    }
    autoUpdater.setFeedURL({ provider: 'generic', url: feed });
  }
  autoUpdater.on('error', (e) => log(`error: ${(e as Error).message}`));
  autoUpdater.on('update-downloaded', (event) => {
    void checkDownloadedUpdate(event as UpdateDownloadedEvent & Record<string, unknown>, publicKey, opts.currentVersion).then((result) => {
      if (!result.ok) {
        log(`refused update ${event.version}: ${result.code}: ${result.message}`);
        return;
      }
      log(`update ${result.version} verified`);
      const install = () => autoUpdater.quitAndInstall(false, true);
      if (opts.onVerified) opts.onVerified(result.version, install);
      else install();
    }, (e: unknown) => log(`refused update ${event.version}: ${(e as Error).message}`));
  });
  void autoUpdater.checkForUpdates().catch((e: unknown) => log(`check failed: ${(e as Error).message}`));
  return 'started';
}
