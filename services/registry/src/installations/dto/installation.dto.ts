import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsUUID, Matches } from 'class-validator';
import { ENTITY_ID_RE, TENANT_ID_RE } from '@hookline/contracts';
import { TenantListQueryDto } from '../../paging';

export class InstallDto {
  /** Only with the operator token; an account installs in its own tenant. */
  @IsOptional()
  @Matches(TENANT_ID_RE, { message: 'tenant must be lowercase letters, digits and dashes' })
  tenant?: string;

  @IsUUID()
  templateId: string;

  /** Units (departments) to enable it for at once; more can be enabled later. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @Matches(ENTITY_ID_RE, { each: true, message: 'each department must be a unit id' })
  departments?: string[];
}

export class ListInstallationsQuery extends TenantListQueryDto {
  @IsOptional()
  @IsIn(['active', 'uninstalled'])
  status?: 'active' | 'uninstalled';

  @IsOptional()
  @IsUUID()
  templateId?: string;
}
