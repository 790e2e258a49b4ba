import { type ReactNode, useId } from 'react';

/** A titled part of one of the space's dialogs, named by its heading for assistive technology. */
export function DialogSection({
  title,
  className,
  children,
}: {
  title: string;
  className?: string;
  children: ReactNode;
}) {
  const id = useId();
  return (
    <section className={`space-dialog__section${className ? ` ${className}` : ''}`} aria-labelledby={id}>
      <h3 className="space-dialog__heading" id={id}>
        {title}
      </h3>
      {children}
    </section>
  );
}
