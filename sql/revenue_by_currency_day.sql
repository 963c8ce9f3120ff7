-- Revenue by currency and day (by session start), from converted sessions.
SELECT session_start_time::DATE AS day,
       currency,
       count(*)    AS payments,
       sum(amount) AS revenue
FROM gold.user_session_analysis
WHERE is_conversion
GROUP BY ALL
ORDER BY day, currency
