import { Controller, Get, Param, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { notFound } from '../../errors/domain-errors';
import { Public } from '../public.decorator';
import { RateLimited } from '../rate-limit.guard';
import type { OidcProvider } from './oidc-discovery.service';
import { OidcLoginService } from './oidc-login.service';

/** `/api/auth/oidc/{provider}` (reference §3.2): the browser's SSO round trip. */
@Controller('api/auth/oidc')
export class OidcController {
  constructor(private readonly login: OidcLoginService) {}

  /** 302 to the IdP (authorization code + PKCE; state in the `stroem_oidc_state` cookie). */
  @Get(':provider')
  @Public()
  @RateLimited('login')
  async start(@Param('provider') id: string, @Req() req: Request, @Res() res: Response) {
    res.redirect(302, await this.login.start(this.provider(id), req, res));
  }

  /** 302 to `/login/callback#access_token=…` (plus the refresh cookie) or `#error=…`. */
  @Get(':provider/callback')
  @Public()
  @RateLimited('login')
  async callback(@Param('provider') id: string, @Req() req: Request, @Res() res: Response) {
    res.redirect(302, await this.login.finish(this.provider(id), req, res));
  }

  private provider(id: string): OidcProvider {
    const provider = this.login.provider(id);
    if (!provider) throw notFound(`No OIDC provider '${id}'`);
    return provider;
  }
}
