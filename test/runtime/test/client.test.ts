/** The in-process test Client: cookie jar, sessions across requests, forms, redirects. */
import { describe, expect, it } from 'vitest';
import { Client } from '../../../src/runtime/test/index.js';
import { fixtureApp } from '../fixture.js';

describe('Client', () => {
  it('keeps the session cookie across requests, and a new Client starts afresh', async () => {
    const app = await fixtureApp();
    const client = new Client({ app });
    expect((await client.get('/hits/')).text()).toBe('hits=1');
    expect((await client.get('/hits/')).text()).toBe('hits=2');
    expect(client.cookies.get('sessionid')).toMatch(/^[a-z0-9]{32}$/);
    const other = new Client({ app });
    expect((await other.get('/hits/')).text()).toBe('hits=1');
    await app.close();
  });

  it('posts urlencoded forms', async () => {
    const app = await fixtureApp();
    const response = await new Client({ app }).post('/echo/', { a: 'x y', b: 2 });
    expect(JSON.parse(response.text())).toEqual({ method: 'POST', form: { a: 'x y', b: '2' } });
    await app.close();
  });

  it('follows the APPEND_SLASH redirect', async () => {
    const app = await fixtureApp();
    const client = new Client({ app });
    const redirect = await client.get('/hits');
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('Location')).toBe('/hits/');
    expect((await client.follow(redirect)).text()).toBe('hits=1');
    await app.close();
  });

  it('renders app templates and reverses URLs with converters', async () => {
    const app = await fixtureApp();
    const response = await new Client({ app }).get('/shop/item/7/');
    expect(response.status).toBe(200);
    expect(response.text()).toContain('Item 7 <a href="/shop/item/7/">self</a>');
    await app.close();
  });

  it('turns a thrown Http404 into a 404 page', async () => {
    const app = await fixtureApp();
    expect((await new Client({ app }).get('/missing/')).status).toBe(404);
    await app.close();
  });
});
