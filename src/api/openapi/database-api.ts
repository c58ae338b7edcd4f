import { apiErrorSchema, adminSecuritySchemes } from './admin-api.ts';
import type { Surface } from './documents.ts';

export const surface: Surface = { title: 'TODO', description: 'TODO', securitySchemes: adminSecuritySchemes, errorSchema: apiErrorSchema, tags: [], operations: [] };
