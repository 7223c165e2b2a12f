/**
 * QTI 1.2 as Canvas imports it: a zip holding `imsmanifest.xml` and one assessment file
 * (questestinterop/assessment/section/item, each item a single-answer `response_lid` with `render_choice`, scored by
 * `resprocessing`, the explanation as general feedback).
 */
import { type ExportQuestion, type ExportQuiz, escapeXml, xmlIdent } from './quiz.js';
import { createZip } from './zip.js';

export interface Qti12Package {
  /** The assessment's identifier; also its folder and file name inside the zip. */
  ident: string;
  /** Path of the assessment file inside the zip (`<ident>/<ident>.xml`). */
  assessmentPath: string;
  manifest: string;
  assessment: string;
  /** The zip to download. */
  zip: Buffer;
}

/** The QTI 1.2 package of a quiz; `ident` defaults to one made from the title. */
export function quizToQti12(quiz: ExportQuiz, options: { ident?: string } = {}): Qti12Package {
  const ident = xmlIdent(options.ident ?? `quiz_${slug(quiz.title) || 'export'}`, 'quiz');
  const assessmentPath = `${ident}/${ident}.xml`;
  const assessment = qti12Assessment(quiz, ident);
  const manifest = qti12Manifest(ident, assessmentPath, quiz.title);
  const zip = createZip([
    { name: 'imsmanifest.xml', data: manifest },
    { name: assessmentPath, data: assessment },
  ]);
  return { ident, assessmentPath, manifest, assessment, zip };
}

/** The `imsmanifest.xml` naming the assessment file as an `imsqti_xmlv1p2` resource. */
export function qti12Manifest(ident: string, assessmentPath: string, title: string): string {
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<manifest identifier="${escapeXml(`${ident}_manifest`)}" xmlns="http://www.imsglobal.org/xsd/imscp_v1p1" xmlns:imsmd="http://www.imsglobal.org/xsd/imsmd_v1p2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsglobal.org/xsd/imscp_v1p1 http://www.imsglobal.org/xsd/imscp_v1p1.xsd">`,
    '  <metadata>',
    '    <schema>IMS Content</schema>',
    '    <schemaversion>1.1.3</schemaversion>',
    `    <imsmd:lom><imsmd:general><imsmd:title><imsmd:string>${escapeXml(title)}</imsmd:string></imsmd:title></imsmd:general></imsmd:lom>`,
    '  </metadata>',
    '  <organizations/>',
    '  <resources>',
    `    <resource identifier="${escapeXml(ident)}" type="imsqti_xmlv1p2" href="${escapeXml(assessmentPath)}">`,
    `      <file href="${escapeXml(assessmentPath)}"/>`,
    '    </resource>',
    '  </resources>',
    '</manifest>',
    '',
  ].join('\n');
}

/** The assessment document (`questestinterop`). */
export function qti12Assessment(quiz: ExportQuiz, ident: string): string {
  const used = new Set<string>();
  const items = quiz.questions.map((q, i) => {
    let id = xmlIdent(q.id || `q${i + 1}`, 'item');
    while (used.has(id)) id = `${id}_${i + 1}`;
    used.add(id);
    return qtiItem(q, id);
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<questestinterop xmlns="http://www.imsglobal.org/xsd/ims_qtiasiv1p2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation="http://www.imsglobal.org/xsd/ims_qtiasiv1p2 http://www.imsglobal.org/xsd/ims_qtiasiv1p2p1.xsd">',
    `  <assessment ident="${escapeXml(ident)}" title="${escapeXml(quiz.title)}">`,
    '    <qtimetadata>',
    '      <qtimetadatafield><fieldlabel>cc_maxattempts</fieldlabel><fieldentry>1</fieldentry></qtimetadatafield>',
    '    </qtimetadata>',
    '    <section ident="root_section">',
    ...items,
    '    </section>',
    '  </assessment>',
    '</questestinterop>',
    '',
  ].join('\n');
}

function qtiItem(q: ExportQuestion, id: string): string {
  const mattext = (text: string) => `<material><mattext texttype="text/plain">${escapeXml(text)}</mattext></material>`;
  const labels = q.choices.map((_, i) => `${id}_choice_${i + 1}`);
  const lines = [
    `      <item ident="${escapeXml(id)}" title="${escapeXml(id)}">`,
    '        <itemmetadata><qtimetadata>',
    '          <qtimetadatafield><fieldlabel>question_type</fieldlabel><fieldentry>multiple_choice_question</fieldentry></qtimetadatafield>',
    '          <qtimetadatafield><fieldlabel>points_possible</fieldlabel><fieldentry>1.0</fieldentry></qtimetadatafield>',
    `          <qtimetadatafield><fieldlabel>original_answer_ids</fieldlabel><fieldentry>${labels.join(',')}</fieldentry></qtimetadatafield>`,
    '        </qtimetadata></itemmetadata>',
    '        <presentation>',
    `          ${mattext(q.prompt)}`,
    '          <response_lid ident="response1" rcardinality="Single">',
    '            <render_choice>',
    ...q.choices.map((c, i) => `              <response_label ident="${labels[i]}">${mattext(c)}</response_label>`),
    '            </render_choice>',
    '          </response_lid>',
    '        </presentation>',
    '        <resprocessing>',
    '          <outcomes><decvar maxvalue="100" minvalue="0" varname="SCORE" vartype="Decimal"/></outcomes>',
  ];
  if (q.explanation.trim()) {
    lines.push(
      '          <respcondition continue="Yes"><conditionvar><other/></conditionvar><displayfeedback feedbacktype="Response" linkrefid="general_fb"/></respcondition>',
    );
  }
  lines.push(
    `          <respcondition continue="No"><conditionvar><varequal respident="response1">${labels[q.answer_index] ?? ''}</varequal></conditionvar><setvar action="Set" varname="SCORE">100</setvar></respcondition>`,
    '        </resprocessing>',
  );
  if (q.explanation.trim()) {
    lines.push(
      `        <itemfeedback ident="general_fb"><flow_mat>${mattext(q.explanation)}</flow_mat></itemfeedback>`,
    );
  }
  lines.push('      </item>');
  return lines.join('\n');
}

function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 40);
}
