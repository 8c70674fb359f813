// The OpenAPI document of the whole public API (generated at build time from every
// service's controllers, see libs/api-docs) and a browsable reference of it: Swagger UI
// from the swagger-ui-dist package, served from here (no CDN, nothing loaded from elsewhere).
import { Controller, Get, Header, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OPENAPI_DOCUMENT_FILE } from '@hookline/contracts';
import { NotFoundError, Public } from '@hookline/http';

/** The reference page's files: ours (the page and its start script) and Swagger UI's. */
const ASSETS: Record<string, { type: string; from: 'swagger-ui' | 'inline'; file: string }> = {
  'swagger-ui-bundle.js': { type: 'text/javascript; charset=utf-8', from: 'swagger-ui', file: 'swagger-ui-bundle.js' },
  'swagger-ui.css': { type: 'text/css; charset=utf-8', from: 'swagger-ui', file: 'swagger-ui.css' },
  'start.js': { type: 'text/javascript; charset=utf-8', from: 'inline', file: 'start.js' },
};

const START_SCRIPT = `window.addEventListener('load', function () {
  window.ui = SwaggerUIBundle({
    url: '../openapi.json',
    dom_id: '#reference',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
`;

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Hookline API reference</title>
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <link rel="stylesheet" href="api-reference/swagger-ui.css">
</head>
<body>
  <div id="reference"></div>
  <script src="api-reference/swagger-ui-bundle.js"></script>
  <script src="api-reference/start.js"></script>
</body>
</html>
`;

// Swagger UI sets inline styles; scripts and everything else only from here.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'";

@Controller()
export class OpenApiController {
  private readonly files = new Map<string, Buffer>();

  /** The OpenAPI 3.1 document of every public route of every service (libs/contracts/src/openapi/hookline.openapi.json). */
  @Public()
  @Get('openapi.json')
  @Header('Cache-Control', 'public, max-age=300')
  async document(@Res() res: Response): Promise<void> {
    // Read when asked for (from the page cache) rather than held: it is 0.5 MB, and an idle
    // registry should not keep it.
    const json = await readFile(OPENAPI_DOCUMENT_FILE);
    res.status(200).type('application/json; charset=utf-8').send(json);
  }

  /** The browsable reference page of the document. */
  @Public()
  @Get('api-reference')
  reference(@Req() req: Request, @Res() res: Response): void {
    // Its files are relative to /api-reference: from /api-reference/ they would miss.
    if (req.path.endsWith('/')) {
      res.redirect(301, '../api-reference');
      return;
    }
    res.setHeader('Content-Security-Policy', CSP);
    res.setHeader('Cache-Control', 'public, max-age=300');
    res.status(200).type('text/html; charset=utf-8').send(PAGE);
  }

  /** The reference page's scripts and style sheet. */
  @Public()
  @Get('api-reference/:file')
  asset(@Param('file') file: string, @Res() res: Response): void {
    const asset = Object.hasOwn(ASSETS, file) ? ASSETS[file] : undefined;
    if (!asset) throw new NotFoundError(`api-reference/${file}`);
    let body = this.files.get(file);
    if (!body) {
      body = asset.from === 'inline' ? Buffer.from(START_SCRIPT) : readFileSync(join(swaggerUiDir(), asset.file));
      this.files.set(file, body);
    }
    res.setHeader('Cache-Control', 'public, max-age=3600');
    res.status(200).type(asset.type).send(body);
  }
}

function swaggerUiDir(): string {
  // The package's own answer (absolute-path.js) to where its files are.
  return (require('swagger-ui-dist') as { getAbsoluteFSPath(): string }).getAbsoluteFSPath();
}
