/** Bearer-token authentication and role checks for the GraphQL API. */
import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { AuthFailureLimiter } from './auth-failure-limiter.js';
import { AuthExceptionFilter } from './auth.exception.filter.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { MeResolver } from './me.resolver.js';
import { TokenRevocationListener } from './token-revocation.listener.js';
import { WsSessions } from './ws-sessions.js';

@Module({
  providers: [
    AuthService,
    AuthFailureLimiter,
    MeResolver,
    WsSessions,
    TokenRevocationListener,
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: AuthExceptionFilter },
  ],
  exports: [AuthService, AuthFailureLimiter, WsSessions],
})
export class AuthModule {}
