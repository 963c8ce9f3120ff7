-- Sessions started per hour of the day (UTC), with their conversion rate.
SELECT hour(session_start_time) AS hour_utc,
       count(*) AS sessions,
       (100.0 * count(*) FILTER (WHERE is_conversion) / count(*))::DECIMAL(5, 1) AS conversion_pct
FROM gold.user_session_analysis
GROUP BY ALL
ORDER BY hour_utc
