import pkg from '../../../package.json';

/** The platform version every service reports in its logs. */
export const VERSION: string = pkg.version;
