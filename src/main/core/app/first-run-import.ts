// First run with a daemon: take over the webhook URL the user had already given the daemon, so
// switching to the app loses nothing. Done once (settings.daemonUrlImported), never for one of our
// own ingest URLs (that would make the app deliver to itself), and judged by the run's URL policy.

import { maskUrlCredentials } from '../../../shared/url-mask';
import type { SettingsService } from '../settings/settings';
import { isOwnIngestUrl } from '../own-ingest-url';
import type { UrlPolicy } from '../url-policy';

export interface FirstRunImport {
  /** the URL the daemon had, from its config (null when none) */
  daemonWebhookUrl: string | null;
  /** a URL given for this run (--url) wins over the imported one for this run */
  runUrlGiven: boolean;
}

/** Returns the URL to deliver to this run when one was imported, else null; says what it did in `warnings`. */
export function importDaemonUrl(settings: SettingsService, policy: UrlPolicy, opts: FirstRunImport, warnings: string[]): string | null {
  if (settings.get().daemonUrlImported || settings.get().url !== null) return null;
  let imported: string | null = null;
  const had = opts.daemonWebhookUrl;
  if (had && !isOwnIngestUrl(had)) {
    const check = policy.check(had);
    if (check.ok) {
      settings.update({ url: check.url });
      if (!opts.runUrlGiven) imported = check.url;
      warnings.push(`Imported the webhook URL the daemon was using: ${check.url}`);
    } else {
      warnings.push(`The daemon's webhook URL ${maskUrlCredentials(had)} was not imported: ${check.message}`);
    }
  }
  settings.update({ daemonUrlImported: true });
  return imported;
}
