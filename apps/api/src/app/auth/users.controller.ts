import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query } from '@nestjs/common';
import { UserRepository } from '@stroem/db';
import { conflict, forbidden, invalid, isUuid, notFound } from '../errors/domain-errors';
import { pageParam } from '../jobs/jobs.service';
import { AuthSettings } from './auth-settings';
import { hashPassword, passwordProblem } from './passwords';
import { CurrentPrincipal, type Principal } from './principal';
import { emailField, objectBody, optionalString } from './request-body';
import { userView } from './user-views';

const GROUP_NAME = /^[A-Za-z0-9_-]{1,64}$/;

function groupsField(value: unknown): string[] {
  if (!Array.isArray(value)) throw invalid('groups must be a list of group names');
  const groups = value.map((g) => {
    if (typeof g !== 'string' || !GROUP_NAME.test(g))
      throw invalid(`Invalid group name '${String(g)}' (1–64 characters A-Z a-z 0-9 _ -)`);
    return g;
  });
  return [...new Set(groups)];
}

function userId(value: string): string {
  if (!isUuid(value)) throw invalid('Invalid user ID');
  return value.toLowerCase();
}

/** Users and groups, for admins (reference §3.1). */
@Controller('api')
export class UsersController {
  constructor(
    private readonly settings: AuthSettings,
    private readonly users: UserRepository,
  ) {}

  @Get('users')
  async list(
    @CurrentPrincipal() principal: Principal | undefined,
    @Query('limit') limit?: string,
    @Query('offset') offset?: string,
  ) {
    this.requireAdmin(principal);
    const page = await this.users.list(
      Math.max(1, pageParam(limit, 'limit', 50, 1000)),
      pageParam(offset, 'offset', 0, Number.MAX_SAFE_INTEGER),
    );
    return { items: page.items.map(userView), total: page.total };
  }

  /** Pre-provisions a user (for SSO, or with a password for internal login). */
  @Post('users')
  @HttpCode(201)
  async create(@CurrentPrincipal() principal: Principal | undefined, @Body() body: unknown) {
    this.requireAdmin(principal);
    const fields = objectBody(body);
    const email = emailField(fields);
    const password = optionalString(fields, 'password');
    if (password !== undefined) {
      const problem = passwordProblem(password);
      if (problem) throw invalid(problem);
    }
    const isAdmin = fields['is_admin'];
    if (isAdmin !== undefined && typeof isAdmin !== 'boolean')
      throw invalid('is_admin must be true or false');
    const user = await this.users.create({
      email,
      name: optionalString(fields, 'name')?.trim() || null,
      passwordHash: password !== undefined ? await hashPassword(password) : null,
      isAdmin: isAdmin === true,
      groups: fields['groups'] === undefined ? [] : groupsField(fields['groups']),
    });
    if (!user) throw conflict(`A user with email '${email}' already exists`);
    const view = userView(user);
    return {
      user_id: view.user_id,
      email: view.email,
      name: view.name,
      groups: view.groups,
      is_admin: view.is_admin,
    };
  }

  @Get('users/:id')
  async detail(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    this.requireAdmin(principal);
    return userView(await this.find(id));
  }

  @Delete('users/:id')
  async remove(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    const admin = this.requireAdmin(principal);
    const user = await this.find(id);
    if (user.userId === admin.userId) throw invalid('You cannot delete yourself');
    await this.users.delete(user.userId);
    return { status: 'ok' };
  }

  @Put('users/:id/admin')
  async setAdmin(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    const admin = this.requireAdmin(principal);
    const value = objectBody(body)['is_admin'];
    if (typeof value !== 'boolean') throw invalid('is_admin must be true or false');
    const user = await this.find(id);
    if (user.userId === admin.userId && !value)
      throw invalid('You cannot revoke your own admin rights');
    await this.users.setAdmin(user.userId, value);
    return { status: 'ok' };
  }

  @Get('users/:id/groups')
  async groups(@CurrentPrincipal() principal: Principal | undefined, @Param('id') id: string) {
    this.requireAdmin(principal);
    return { groups: (await this.find(id)).groups };
  }

  @Put('users/:id/groups')
  async setGroups(
    @CurrentPrincipal() principal: Principal | undefined,
    @Param('id') id: string,
    @Body() body: unknown,
  ) {
    this.requireAdmin(principal);
    const groups = groupsField(objectBody(body)['groups']);
    if (!(await this.users.setGroups(userId(id), groups))) throw notFound('User not found');
    return { status: 'ok' };
  }

  @Get('groups')
  async allGroups(@CurrentPrincipal() principal: Principal | undefined) {
    this.requireAdmin(principal);
    return { groups: await this.users.groupNames() };
  }

  private requireAdmin(principal: Principal | undefined): Principal {
    this.settings.requireAuth();
    if (!principal?.isAdmin) throw forbidden('Administrator rights required');
    return principal;
  }

  private async find(id: string) {
    const user = await this.users.findById(userId(id));
    if (!user) throw notFound('User not found');
    return user;
  }
}
