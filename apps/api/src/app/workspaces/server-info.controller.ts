import { Controller, Get } from '@nestjs/common';
import { AuthSettings } from '../auth/auth-settings';
import { Public } from '../auth/public.decorator';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

const VERSION = (
  JSON.parse(readFileSync(path.resolve(__dirname, '../../../../../package.json'), 'utf8')) as {
    version: string;
  }
).version;

/** `GET /api/config`: what the console needs before login. */
@Controller('api')
export class ServerInfoController {
  constructor(private readonly auth: AuthSettings) {}

  @Get('config')
  @Public()
  config() {
    return {
      auth_required: this.auth.enabled,
      has_internal_auth: this.auth.hasInternalAuth,
      oidc_providers: this.auth.oidcProviders,
      acl_enabled: this.auth.aclEnabled,
      version: VERSION,
    };
  }
}
