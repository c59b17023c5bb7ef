import { Catch } from '@nestjs/common';
import type { GqlExceptionFilter } from '@nestjs/graphql';
import { graphQLError, GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { NotificationsException, NotificationsExceptionCode } from './notifications.exception.js';

const codes: Record<NotificationsExceptionCode, GraphQLErrorCode> = {
  [NotificationsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [NotificationsExceptionCode.NameTaken]: GraphQLErrorCode.Conflict,
  [NotificationsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [NotificationsExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
};

@Catch(NotificationsException)
export class NotificationsExceptionFilter implements GqlExceptionFilter {
  catch(exception: NotificationsException) {
    return graphQLError(exception.message, codes[exception.code], exception.field);
  }
}
