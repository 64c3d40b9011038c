import { type DynamicModule, Global, Module } from '@nestjs/common';
import { SERVER_CONFIG, type ServerConfig } from './server-config';

/** Provides the validated ServerConfig (loaded once, before Nest starts). */
@Global()
@Module({})
export class ConfigModule {
  static register(config: ServerConfig): DynamicModule {
    return {
      module: ConfigModule,
      providers: [{ provide: SERVER_CONFIG, useValue: config }],
      exports: [SERVER_CONFIG],
    };
  }
}
