/**
 * The plain error pages (DEBUG off, no error templates) against REAL Django, 3.2 and 5.2
 * (test/support/django.ts): the same bytes in both, and Django 5.2's content type,
 * `text/html; charset=utf-8` (3.2 sent `text/html`; docs/django-5.2.md).
 */
import { describe, expect, it } from 'vitest';
import { defineSettings } from '../../../src/runtime/conf/define.js';
import { BadRequest, PermissionDenied } from '../../../src/runtime/http/errors.js';
import { HttpRequest } from '../../../src/runtime/http/request.js';
import type { HttpResponse } from '../../../src/runtime/http/response.js';
import {
  badRequest,
  pageNotFound,
  permissionDenied,
  serverError,
} from '../../../src/runtime/views/index.js';
import { djangoPythons, runInterop } from '../../support/django.js';

const pythons = await djangoPythons();

function request(): HttpRequest {
  const r = new HttpRequest({ method: 'GET', url: '/missing/', headers: { host: 'testserver' } });
  r.settings = defineSettings({ BASE_DIR: '/srv', SECRET_KEY: 'x', ALLOWED_HOSTS: ['testserver'] });
  return r;
}

const TANGO: Record<number, () => HttpResponse> = {
  400: () => badRequest(request(), { debug: false, error: new BadRequest('x') }),
  403: () => permissionDenied(request(), { debug: false, error: new PermissionDenied('x') }),
  404: () => pageNotFound(request(), { debug: false }),
  500: () => serverError(request(), { debug: false, error: new Error('x') }),
};

interface DjangoPage {
  status: number;
  contentType: string;
  body: string;
}

describe.each(pythons)('plain error pages against Django $series', (django) => {
  it.skipIf(!django.available)('same status and body; content type as Django 5.2', async () => {
    const statuses = [400, 403, 404, 500];
    const results = await runInterop(
      django,
      'x',
      statuses.map((status) => ({ op: 'error_page', status })),
    );
    statuses.forEach((status, i) => {
      const theirs = (results[i] as { ok: DjangoPage }).ok;
      const ours = TANGO[status]!();
      expect(ours.status).toBe(theirs.status);
      expect(ours.text()).toBe(theirs.body);
      if (django.series === '5.2') {
        expect(ours.headers.get('Content-Type')).toBe(theirs.contentType);
      } else {
        // Django 3.2 sent no charset; Tango follows 5.2 here.
        expect(theirs.contentType).toBe('text/html');
        expect(ours.headers.get('Content-Type')).toBe('text/html; charset=utf-8');
      }
    });
  });
});
