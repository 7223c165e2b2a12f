/** Internal: the instructor's "Now teaching" — the slide pings without a slide land on. */
import { setCurrentSlide } from '../domain/slides.service.js';
import { defineFunction } from './function.js';
import { ID, objectSchema } from './validation.js';

export const setCurrentSlideFunction = defineFunction({
  name: 'set_current_slide',
  schema: objectSchema({ course_id: ID, slide_id: ID }),
  run: async (deps, actor, args: { course_id: string; slide_id: string }) => {
    await setCurrentSlide(deps, actor, args.course_id, args.slide_id);
    return { course_id: args.course_id, slide_id: args.slide_id };
  },
});
