/** Internal: an intervention's progress, for an instructor of its course (`GET /api/interventions/{id}`). */
import { getIntervention } from '../domain/intervention.service.js';
import { defineFunction } from './function.js';
import { objectSchema } from './validation.js';

export const getInterventionFunction = defineFunction({
  name: 'get_intervention',
  schema: objectSchema({ intervention_id: { type: 'string', minLength: 1, maxLength: 100 } }),
  run: (deps, actor, args: { intervention_id: string }) => getIntervention(deps, actor, args.intervention_id),
});
