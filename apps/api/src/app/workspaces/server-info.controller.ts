import { Controller, Get } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const VERSION = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../../../package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** `GET /api/config`: what the console needs before login (auth is off for now). */
@Controller('api')
export class ServerInfoController {
  @Get('config')
  config() {
    return {
      auth_required: false,
      has_internal_auth: false,
      oidc_providers: [],
      acl_enabled: false,
      version: VERSION,
    };
  }
}
