import type { FieldSpec } from '@hookline/config';

function sequences(env: string): FieldSpec<number[]> & { env: string } {
  return {
    env,
    default: [],
    doc: 'registry stream sequences the registry views skip although they cannot read them (an operator decision, logged)',
    parse: (raw) =>
      raw.split(',').map((p) => {
        const v = p.trim();
        if (!/^[1-9]\d*$/.test(v)) throw new Error(`"${v}" is not a stream sequence`);
        return Number(v);
      }),
  };
}

export const registryViewConfig = {
  registrySkip: sequences('HOOKLINE_REGISTRY_SKIP'),
};

export type RegistryViewConfig = { registrySkip: number[] };
