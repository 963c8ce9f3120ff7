-- The event types that dominate sessions, and how often those sessions convert.
SELECT event_type,
       count(*) AS sessions,
       sum(total_events) AS events,
       (100.0 * count(*) FILTER (WHERE is_conversion) / count(*))::DECIMAL(5, 1) AS conversion_pct
FROM gold.user_session_analysis
GROUP BY ALL
ORDER BY sessions DESC, event_type
