/**
 * Types for the parts of @secvisogram/csaf-validator-lib we use; the published package ships
 * JavaScript with JSDoc only.
 */
declare module '@secvisogram/csaf-validator-lib/validate.js' {
  export interface CsafMessage {
    instancePath: string;
    message?: string;
  }
  export interface CsafTestResult {
    name: string;
    isValid: boolean;
    errors: CsafMessage[];
    warnings: CsafMessage[];
    infos: CsafMessage[];
  }
  export type CsafDocumentTest = (doc: unknown) =>
    | Promise<{ isValid?: boolean; errors?: CsafMessage[]; warnings?: CsafMessage[]; infos?: CsafMessage[] }>
    | { isValid?: boolean; errors?: CsafMessage[]; warnings?: CsafMessage[]; infos?: CsafMessage[] };
  export default function validate(tests: CsafDocumentTest[], doc: unknown): Promise<{ tests: CsafTestResult[]; isValid: boolean }>;
}

declare module '@secvisogram/csaf-validator-lib/mandatoryTests.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  const tests: { readonly [name: string]: CsafDocumentTest };
  export = tests;
}

declare module '@secvisogram/csaf-validator-lib/schemaTests.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  export const csaf_2_0: CsafDocumentTest;
  export const csaf_2_0_strict: CsafDocumentTest;
}

declare module '@secvisogram/csaf-validator-lib/csaf_2_1/mandatoryTests.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  const tests: { readonly [name: string]: CsafDocumentTest };
  export = tests;
}

declare module '@secvisogram/csaf-validator-lib/csaf_2_1/schemaTests.js' {
  import type { CsafDocumentTest } from '@secvisogram/csaf-validator-lib/validate.js';
  export const csaf_2_1: CsafDocumentTest;
  export const csaf_2_1_strict: CsafDocumentTest;
}
