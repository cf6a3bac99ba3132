import { GraphQLError } from 'graphql';

/**
 * The token lacks a permission. A GraphQLError so that on queries it reaches the client as a top-level
 * error with code FORBIDDEN; mutations list it among their typed errors.
 */
export class ForbiddenError extends GraphQLError {
  override name = 'ForbiddenError';
  constructor(message = 'forbidden: this token lacks the permission for this operation') {
    super(message, { extensions: { code: 'FORBIDDEN' } });
  }
}
