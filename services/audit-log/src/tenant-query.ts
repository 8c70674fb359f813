// The tenant a request reads: required with the operator token; an account reads its own
// tenant. On its own for one record, with limit and cursor for the lists.
import { IsOptional, Matches } from 'class-validator';
import { CATALOGUE_TENANT, TENANT_ID_RE } from '@hookline/contracts';
import { PageQuery } from '@hookline/http';

const TENANT_MESSAGE = `tenant must be lowercase letters, digits and dashes (or ${CATALOGUE_TENANT}: the operator's template catalogue)`;
/** A tenant, or the operator's template catalogue (whose changes are recorded under CATALOGUE_TENANT). */
const TENANT_OR_CATALOGUE = new RegExp(`${TENANT_ID_RE.source}|^${CATALOGUE_TENANT}$`);

export class TenantQuery {
  @IsOptional()
  @Matches(TENANT_OR_CATALOGUE, { message: TENANT_MESSAGE })
  tenant?: string;
}

/** A list's filters come first, then limit and cursor, then tenant: the order problems are reported in. */
export class TenantPageQuery extends PageQuery {
  @IsOptional()
  @Matches(TENANT_OR_CATALOGUE, { message: TENANT_MESSAGE })
  tenant?: string;
}
