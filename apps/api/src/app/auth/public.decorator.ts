import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'stroem:public';

/** The route answers without a user also when auth is on (config, login, refresh, SSO). */
export const Public = () => SetMetadata(IS_PUBLIC, true);
