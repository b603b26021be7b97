// When the CLI decides no browser can be shown (the device code flow is then the default): environment and platform only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noDisplayReason } from '../../src/cli/display.js';

describe('noDisplayReason', () => {
  it('Linux and BSD without DISPLAY or WAYLAND_DISPLAY have no display; either variable is one', () => {
    for (const platform of ['linux', 'freebsd', 'openbsd'] as const) {
      assert.match(noDisplayReason({}, platform) ?? '', /neither DISPLAY nor WAYLAND_DISPLAY/);
      assert.equal(noDisplayReason({ DISPLAY: ':0' }, platform), undefined);
      assert.equal(noDisplayReason({ WAYLAND_DISPLAY: 'wayland-0' }, platform), undefined);
      assert.ok(noDisplayReason({ DISPLAY: ' ' }, platform) !== undefined, 'a blank variable is unset');
    }
  });

  it('macOS and Windows show a browser, except to an SSH session; a forwarded display counts', () => {
    for (const platform of ['darwin', 'win32'] as const) {
      assert.equal(noDisplayReason({}, platform), undefined);
      assert.match(noDisplayReason({ SSH_CONNECTION: '192.0.2.1 5 192.0.2.2 22' }, platform) ?? '', /SSH/);
      assert.match(noDisplayReason({ SSH_TTY: '/dev/pts/1' }, platform) ?? '', /SSH/);
    }
    assert.equal(noDisplayReason({ SSH_CONNECTION: '192.0.2.1 5 192.0.2.2 22', DISPLAY: 'localhost:10.0' }, 'linux'), undefined);
  });
});
