-- Conversion rate by country and device: share of sessions with a completed payment.
SELECT coalesce(user_country, '(unknown)') AS country,
       coalesce(user_device, '(unknown)')  AS device,
       count(*)                            AS sessions,
       count(*) FILTER (WHERE is_conversion) AS conversions,
       (100.0 * count(*) FILTER (WHERE is_conversion) / count(*))::DECIMAL(5, 1) AS conversion_pct
FROM gold.user_session_analysis
GROUP BY ALL
ORDER BY sessions DESC, country, device
LIMIT 20
