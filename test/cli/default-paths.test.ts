// Where the CLI keeps its config file and caches when nothing else is said: %LOCALAPPDATA%\msal-ts on Windows, the
// XDG folders elsewhere. Pure: every platform's answer is checked on every platform.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { defaultCliPaths } from '../../src/cli/paths.js';

describe('defaultCliPaths', () => {
  it('Windows: config and caches in %LOCALAPPDATA%\\msal-ts, XDG variables ignored', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\Zoë Ümlaut\\AppData\\Local', XDG_CONFIG_HOME: '/x', XDG_CACHE_HOME: '/y', HOME: '/h' };
    assert.deepEqual(defaultCliPaths(env, 'win32', 'C:\\Users\\Zoë Ümlaut'), {
      configFile: 'C:\\Users\\Zoë Ümlaut\\AppData\\Local\\msal-ts\\config.json',
      cacheDir: 'C:\\Users\\Zoë Ümlaut\\AppData\\Local\\msal-ts',
    });
  });

  it('Windows: without %LOCALAPPDATA%, or with a relative one, <home>\\AppData\\Local', () => {
    for (const env of [{}, { LOCALAPPDATA: '' }, { LOCALAPPDATA: 'AppData\\Local' }]) {
      assert.equal(defaultCliPaths(env, 'win32', 'D:\\Profiles\\bob').cacheDir, 'D:\\Profiles\\bob\\AppData\\Local\\msal-ts');
    }
  });

  it('Linux and macOS: $XDG_CONFIG_HOME and $XDG_CACHE_HOME, else ~/.config and ~/.cache under $HOME', () => {
    assert.deepEqual(defaultCliPaths({ XDG_CONFIG_HOME: '/c', XDG_CACHE_HOME: '/k', HOME: '/h' }, 'linux', '/ignored'), {
      configFile: '/c/msal-ts/config.json',
      cacheDir: '/k/msal-ts',
    });
    assert.deepEqual(defaultCliPaths({ HOME: '/h', LOCALAPPDATA: 'C:\\x' }, 'darwin', '/ignored'), {
      configFile: '/h/.config/msal-ts/config.json',
      cacheDir: '/h/.cache/msal-ts',
    });
    assert.equal(defaultCliPaths({ XDG_CACHE_HOME: 'relative' }, 'linux', '/home/u').cacheDir, '/home/u/.cache/msal-ts', 'a relative XDG base is ignored');
  });
});
