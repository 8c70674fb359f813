import { IsString, Matches, MaxLength } from 'class-validator';
import { UUID_RE } from '@hookline/contracts';

export class LoginDto {
  /** The account id. */
  @IsString()
  @Matches(UUID_RE, { message: 'account must be an account id' })
  account: string;

  /** The API token shown when the account was created. */
  @IsString()
  @MaxLength(200)
  token: string;

  /** The current code of the account's authenticator. */
  @IsString()
  @Matches(/^\d{6}$/, { message: 'totp must be the 6-digit code' })
  totp: string;
}
