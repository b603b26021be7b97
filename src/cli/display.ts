/**
 * Whether a browser can be shown to the user here. Over SSH, or in a container, a Linux or BSD machine has no display:
 * the browser flow would launch nothing visible (or a text browser) and wait for a redirect that never comes.
 */

/** Why this machine shows no browser to the user, or `undefined` when it can. Reads only `env` and `platform`. */
export function noDisplayReason(env: Readonly<Record<string, string | undefined>>, platform: NodeJS.Platform = process.platform): string | undefined {
  const set = (name: string): boolean => (env[name] ?? '').trim() !== '';
  if (set('DISPLAY') || set('WAYLAND_DISPLAY')) return undefined;
  // macOS and Windows show a browser without either variable, except to an SSH session, which is not at the screen.
  if (set('SSH_CONNECTION') || set('SSH_TTY')) return 'an SSH session without a forwarded display';
  if (platform === 'darwin' || platform === 'win32') return undefined;
  return 'neither DISPLAY nor WAYLAND_DISPLAY is set';
}
