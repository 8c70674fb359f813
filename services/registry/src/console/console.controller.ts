import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { CONFIG } from '@hookline/config';
import { NotFoundError, Public } from '@hookline/http';
import type { RegistryConfig } from '../config';
import { CONSOLE_CSP, consoleFileFor } from './console-files';

/**
 * The admin console's static files (a single-page app that calls this same API with the
 * signed-in session's token; the files themselves are public, like any web page's).
 */
@Controller('console')
export class ConsoleController {
  constructor(@Inject(CONFIG) private readonly config: RegistryConfig) {}

  /** `/console` itself: the app's relative asset paths need the trailing slash. */
  @Get()
  @Public()
  bare(@Req() req: Request, @Res() res: Response): void {
    if (req.path !== '/console') return this.get(req, res);
    res.redirect(301, '/console/');
  }

  @Get('{*path}')
  @Public()
  get(@Req() req: Request, @Res() res: Response): void {
    const path = req.path;
    const found = consoleFileFor(this.config.consoleDir, path.slice('/console/'.length));
    if (!found) throw new NotFoundError(`console file ${path}`);
    res.setHeader('Content-Security-Policy', CONSOLE_CSP);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    res.setHeader('Referrer-Policy', 'no-referrer');
    res.setHeader('Cache-Control', found.cacheControl);
    res.type(found.contentType);
    res.sendFile(found.file, { dotfiles: 'deny' }, (err?: Error) => {
      if (!err || res.headersSent) return;
      // The file's caching was set for the file: an asset's "immutable, a year" on this 404
      // would keep a browser or proxy from ever fetching it (an asset a replica not yet
      // updated lacks during a rollout, or a console built after the first request).
      res.setHeader('Cache-Control', 'no-store');
      // Not built (npm start and the image build it): say so rather than a bare 404.
      res.status(404).type('application/problem+json').send({
        type: 'https://hookline.dev/problems/not-found',
        title: 'Not found',
        status: 404,
        detail: found.file.endsWith('index.html') ? `the console is not built (expected in ${this.config.consoleDir}; run node services/console/build.mjs)` : `no console file ${path}`,
      });
    });
  }
}
