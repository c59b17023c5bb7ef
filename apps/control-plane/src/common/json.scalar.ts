/** An output-only JSON object scalar (audit details). Input is refused: use typed arguments. */
import { GraphQLError, GraphQLScalarType } from 'graphql';

const GraphQLJSON = new GraphQLScalarType({
  name: 'JSONObject',
  description: 'A JSON object (output only)',
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError('JSONObject is output only', { extensions: { code: 'BAD_USER_INPUT' } });
  },
  parseLiteral: () => {
    throw new GraphQLError('JSONObject is output only', { extensions: { code: 'BAD_USER_INPUT' } });
  },
});

export default GraphQLJSON;
