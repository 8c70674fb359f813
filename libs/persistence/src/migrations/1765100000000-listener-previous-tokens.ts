import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A listener's earlier tokens, each inside its own regeneration overlap (registry): a
 * list of {digest, validUntil}, newest first, instead of one previous digest and its end.
 * A regeneration with an overlap used to close the token before the previous one at once.
 */
export class ListenerPreviousTokens1765100000000 implements MigrationInterface {
  name = 'ListenerPreviousTokens1765100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE listeners ADD COLUMN previous_tokens jsonb NOT NULL DEFAULT '[]'::jsonb`);
    await q.query(`
      UPDATE listeners
         SET previous_tokens = jsonb_build_array(jsonb_build_object(
               'digest', previous_token_digest,
               'validUntil', to_char(previous_token_valid_until AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
       WHERE previous_token_digest IS NOT NULL AND previous_token_valid_until IS NOT NULL`);
    await q.query('ALTER TABLE listeners DROP COLUMN previous_token_digest, DROP COLUMN previous_token_valid_until');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE listeners ADD COLUMN previous_token_digest text, ADD COLUMN previous_token_valid_until timestamptz');
    await q.query(`
      UPDATE listeners
         SET previous_token_digest = previous_tokens->0->>'digest',
             previous_token_valid_until = (previous_tokens->0->>'validUntil')::timestamptz
       WHERE jsonb_array_length(previous_tokens) > 0`);
    await q.query('ALTER TABLE listeners DROP COLUMN previous_tokens');
  }
}
