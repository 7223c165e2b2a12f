/** Markdown for widgets and assistant messages. Raw HTML is never rendered; links to other sites open in a new tab. */
import type { AnchorHTMLAttributes } from 'react';
import ReactMarkdown from 'react-markdown';
import remarkGfm from 'remark-gfm';

function Link({ href, children, ...rest }: AnchorHTMLAttributes<HTMLAnchorElement> & { node?: unknown }) {
  const { node: _node, ...props } = rest;
  const origin = typeof window === 'undefined' ? '' : window.location.origin;
  const external = !!href && /^https?:\/\//i.test(href) && !(origin && href.startsWith(origin));
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
      <ReactMarkdown remarkPlugins={[remarkGfm]} skipHtml components={{ a: Link }}>
        {text}
      </ReactMarkdown>
    </div>
  );
}
