import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { consoleFileFor } from './console-files';

describe('consoleFileFor', () => {
  const dir = '/srv/console';
  const cases: { path: string; file?: string; type?: string; cache?: string }[] = [
    { path: '', file: '/srv/console/index.html', type: 'text/html; charset=utf-8', cache: 'no-cache' },
    { path: 'index.html', file: '/srv/console/index.html', cache: 'no-cache' },
    { path: 'receivers', file: '/srv/console/index.html', cache: 'no-cache' },
    { path: 'assets/index-ClNoSIu5.js', file: '/srv/console/assets/index-ClNoSIu5.js', type: 'text/javascript; charset=utf-8', cache: 'public, max-age=31536000, immutable' },
    { path: 'assets/../../etc/passwd' },
    { path: '%2e%2e/secrets.json' },
    { path: '.env' },
    { path: 'assets/x.exe' },
    { path: '%E0%A4%A' },
    { path: 'a%00.js' },
  ];
  for (const c of cases) {
    it(`/console/${c.path} → ${c.file ?? '404'}`, () => {
      const f = consoleFileFor(dir, c.path);
      if (!c.file) return assert.equal(f, undefined);
      assert.equal(f?.file, c.file);
      if (c.type) assert.equal(f?.contentType, c.type);
      if (c.cache) assert.equal(f?.cacheControl, c.cache);
    });
  }
});
