import { describe, expect, it } from 'vitest';
import { mapRoles } from '../src/access/roles.js';

const M = 'http://purl.imsglobal.org/vocab/lis/v2/membership';
const I = 'http://purl.imsglobal.org/vocab/lis/v2/institution/person';
const S = 'http://purl.imsglobal.org/vocab/lis/v2/system/person';

describe('mapRoles', () => {
  it.each([
    [[`${M}#Instructor`], 'instructor'],
    [[`${M}#ContentDeveloper`], 'instructor'],
    [[`${M}#Administrator`], 'instructor'],
    [[`${M}/Instructor#TeachingAssistant`], 'instructor'],
    [[`${M}/Instructor#Grader`], 'instructor'],
    [[`${M}#Instructor#TeachingAssistant`], 'instructor'],
    [['Instructor'], 'instructor'],
    [['TeachingAssistant'], 'instructor'],
    [['instructor'], 'instructor'],
    [[`${S}#Administrator`], 'instructor'],
    [[`${I}#Administrator`], 'instructor'],
    [['urn:lti:role:ims/lis/Instructor'], 'instructor'],
    [['urn:lti:role:ims/lis/Instructor/TeachingAssistant'], 'instructor'],
    [[`${M}#Learner`], 'student'],
    [['Learner'], 'student'],
    [[], 'student'],
    [[`${M}#Mentor`], 'student'],
    [['http://purl.imsglobal.org/vocab/lis/v2/unknown/unknown#Helper'], 'student'],
  ] as const)('%j → %s', (roles, expected) => {
    expect(mapRoles(roles)).toBe(expected);
  });

  it('keeps a student who teaches elsewhere (an institution Instructor role) a student of this course', () => {
    expect(mapRoles([`${M}#Learner`, `${I}#Instructor`])).toBe('student');
    expect(mapRoles([`${M}#Learner`, `${I}#Faculty`, `${I}#Staff`])).toBe('student');
    expect(mapRoles(['urn:lti:instrole:ims/lis/Instructor', 'Learner'])).toBe('student');
  });

  it('treats a Learner sub-role named Instructor as a learner', () => {
    expect(mapRoles([`${M}/Learner#Instructor`])).toBe('student');
    expect(mapRoles(['Learner#Instructor'])).toBe('student');
  });

  it('reads comma-separated lists', () => {
    expect(mapRoles(`${M}#Learner,${M}#Instructor`)).toBe('instructor');
    expect(mapRoles(`${M}#Learner, ${I}#Instructor`)).toBe('student');
  });
});
