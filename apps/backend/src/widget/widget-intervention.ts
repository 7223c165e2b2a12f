/** The instructor view's account of the latest LMS intervention: what it is, how far it got, what went wrong. */
import type { WidgetIntervention } from '@class-assist/contracts';
import type { InterventionView } from '../domain/intervention.service.js';

const FILTERS: Record<string, string> = {
  confused_students: 'confused students',
  struggling_students: 'struggling students',
  all_students: 'all students',
};

const LABELS: Record<InterventionView['status'], string> = {
  queued: 'Queued',
  running: 'Sending…',
  completed: 'Done',
  failed: 'Failed',
};

export function describeIntervention(view: InterventionView): WidgetIntervention {
  const count = (status: string) => view.recipients.filter((r) => r.status === status).length;
  const total = view.recipients.length;
  const verb = view.kind === 'notify' ? 'sent' : 'assigned';
  const parts = [`${count('sent')} of ${total} ${verb}`];
  if (count('failed') > 0) parts.push(`${count('failed')} failed`);
  if (count('queued') > 0) parts.push(`${count('queued')} waiting`);
  const who = FILTERS[String(view.request.recipient_filter ?? 'confused_students')] ?? 'students';
  const detail: string[] = [];
  if (view.error) detail.push(`**${view.lms_kind}:** ${view.error}`);
  const reasons = new Map<string, number>();
  for (const r of view.recipients) if (r.reason) reasons.set(r.reason, (reasons.get(r.reason) ?? 0) + 1);
  for (const [reason, n] of reasons) if (reason !== view.error) detail.push(`- ${n} × ${reason}`);
  if (typeof view.lms.html_url === 'string' && view.lms.html_url)
    detail.push(`[Open the quiz in Canvas](${view.lms.html_url})`);
  return {
    title: view.kind === 'notify' ? `Message to ${who}` : `Remedial quiz for ${who}`,
    status: view.status,
    statusLabel: LABELS[view.status],
    progress: total === 0 ? 'Nobody to reach' : parts.join(' · '),
    detail: detail.join('\n'),
  };
}
