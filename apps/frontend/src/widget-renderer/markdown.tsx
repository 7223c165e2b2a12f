/**
 * Markdown for widgets and assistant messages (text from models and people alike). Raw HTML is never rendered; link
 * and image URLs are kept only when they are http(s), mailto or relative — never `javascript:`, `data:` or any other
 * scheme; links to other sites open in a new tab.
 */
import type { AnchorHTMLAttributes } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

const ALLOWED_SCHEME = /^(https?|mailto)$/i;

/**
 * The URL as written when it is safe, else an empty string: http, https and mailto, or a relative URL (no scheme
 * before the first `/`, `?` or `#`). Browsers ignore tabs and newlines inside a scheme (`java\tscript:`), so those
 * are removed before looking.
 */
export function safeUrl(url: string): string {
  const value = [...url].filter((c) => c.charCodeAt(0) > 0x20 && c.charCodeAt(0) !== 0x7f).join('');
  const colon = value.indexOf(':');
  const end = value.search(/[/?#]/);
  if (colon === -1 || (end !== -1 && colon > end)) return url.trim();
  return ALLOWED_SCHEME.test(value.slice(0, colon)) ? url.trim() : '';
}

function Link({ href, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { node?: unknown }) {
  const { node: _node, ...props } = rest;
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const external = !!href && /^https?:\/\//i.test(href) && !(origin && href.startsWith(origin));
  if (!href) return <span>{children}</span>;
  return (
    <a href={href} {...props} {...(external ? { target: '_blank', rel: 'noopener noreferrer' } : {})}>
      {children}
      {external && <span className="visually-hidden"> (opens in a new tab)</span>}
    </a>
  );
}

export function Markdown({ text, className }: { text: string; className?: string }) {
  return (
    <div className={`ck-markdown${className ? ` ${className}` : ''}`}>
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml urlTransform={safeUrl} components={{ a: Link }}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
