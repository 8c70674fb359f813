import { Controller, Get, Header, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { Public } from '@hookline/http';
import { IntegrationButtonsBundle } from './buttons-bundle';

/** The <hookline-integrations> web component, one ES module a host page loads with <script type="module">. */
@Controller('integration-buttons')
export class ButtonsBundleController {
  constructor(private readonly bundle: IntegrationButtonsBundle) {}

  @Get('hookline-integrations.js')
  @Public()
  // Public code: any page may load it (module scripts are fetched with CORS).
  @Header('Access-Control-Allow-Origin', '*')
  async get(@Req() req: Request, @Res() res: Response): Promise<void> {
    const b = await this.bundle.get();
    res.setHeader('ETag', b.etag);
    res.setHeader('Cache-Control', 'public, max-age=300');
    if (req.headers['if-none-match'] === b.etag) {
      res.status(304).end();
      return;
    }
    res.status(200).type('text/javascript; charset=utf-8').send(b.code);
  }
}
