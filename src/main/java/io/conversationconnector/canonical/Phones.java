package io.conversationconnector.canonical;

import com.google.i18n.phonenumbers.NumberParseException;
import com.google.i18n.phonenumbers.PhoneNumberUtil;
import com.google.i18n.phonenumbers.Phonenumber.PhoneNumber;

/** E.164 normalisation with libphonenumber. Providers send numbers with or without '+', with spaces, etc. */
public final class Phones {
    private static final PhoneNumberUtil UTIL = PhoneNumberUtil.getInstance();

    private Phones() {
    }

    /**
     * @param raw a number in international form, with or without the leading '+'
     * @return the E.164 form, or null when it is not a valid phone number
     */
    public static String toE164(String raw) {
        if (raw == null) {
            return null;
        }
        String trimmed = raw.strip();
        if (trimmed.isEmpty()) {
            return null;
        }
        String candidate = trimmed.startsWith("+") ? trimmed : "+" + trimmed;
        if (isPlusAndDigits(candidate)) {
            String fast = possibleFromDigits(candidate);
            if (fast != USE_PARSER) {
                return fast;
            }
        }
        try {
            PhoneNumber number = UTIL.parse(candidate, "ZZ");
            // "possible" (right length for the country), not "valid": new number ranges must not lose the phone.
            return UTIL.isPossibleNumber(number) ? UTIL.format(number, PhoneNumberUtil.PhoneNumberFormat.E164) : null;
        } catch (NumberParseException e) {
            return null;
        }
    }

    /** Marker: the fast path cannot decide; use the full parser. */
    private static final String USE_PARSER = new String("use-parser");

    /**
     * The common case, "+" and digits only: the E.164 form is the input itself, if the country calling code exists
     * and the length is possible for it. Decided from libphonenumber's metadata without its (regex-heavy) parser.
     */
    private static String possibleFromDigits(String plusDigits) {
        if (plusDigits.length() < 4 || plusDigits.length() > 16 || plusDigits.charAt(1) == '0') {
            return null;
        }
        // Country calling codes are prefix-free: at most one of the 1-, 2- and 3-digit prefixes is assigned.
        for (int ccLength = 1; ccLength <= 3 && ccLength < plusDigits.length() - 1; ccLength++) {
            int cc = Integer.parseInt(plusDigits.substring(1, 1 + ccLength));
            if (!PhoneNumberUtil.REGION_CODE_FOR_NON_GEO_ENTITY.equals(UTIL.getRegionCodeForCountryCode(cc))
                    && !"ZZ".equals(UTIL.getRegionCodeForCountryCode(cc))) {
                PhoneNumber number = new PhoneNumber().setCountryCode(cc)
                        .setNationalNumber(Long.parseLong(plusDigits.substring(1 + ccLength)));
                String national = plusDigits.substring(1 + ccLength);
                if (national.startsWith("0")) {
                    return USE_PARSER; // leading zeros are national rules (e.g. Italy): the parser knows them
                }
                return UTIL.isPossibleNumber(number) ? plusDigits : null;
            }
        }
        return null;
    }

    private static boolean isPlusAndDigits(String s) {
        for (int i = 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                return false;
            }
        }
        return s.length() > 1;
    }

    /** Treble style: a country calling code ("+57" or "57") and a national number. */
    public static String toE164(String countryCode, String nationalNumber) {
        if (countryCode == null || nationalNumber == null) {
            return null;
        }
        String cc = countryCode.strip().replaceFirst("^\\+", "");
        return toE164("+" + cc + nationalNumber.strip());
    }
}
