import { graphQLExceptionFilter } from '../../common/graphql-exception.filter.js';
import { GraphQLErrorCode } from '../../common/graphql-error.util.js';
import { NotificationsException, NotificationsExceptionCode } from './notifications.exception.js';

export const NotificationsExceptionFilter = graphQLExceptionFilter(NotificationsException, {
  [NotificationsExceptionCode.NotFound]: GraphQLErrorCode.NotFound,
  [NotificationsExceptionCode.NameTaken]: GraphQLErrorCode.Conflict,
  [NotificationsExceptionCode.InvalidInput]: GraphQLErrorCode.BadUserInput,
  [NotificationsExceptionCode.BadCursor]: GraphQLErrorCode.BadUserInput,
});
