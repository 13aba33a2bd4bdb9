"""branding feature: the event's look (accent colour and logo) on its pages, emails and badges."""
